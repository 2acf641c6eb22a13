// The access token of a walcastd started with --api-token and/or --stream-token. The page has no
// way to ask for it, so the operator opens the page once as /#token=<token>: the token moves to
// this tab's sessionStorage and out of the address bar (not bookmarked, not shown, not sent in a
// Referer). REST calls then carry it as a bearer token and the stream URL as `access_token`
// (browsers cannot set headers on a WebSocket).
const kKey = 'walcast.token';

export function adoptTokenFromUrl() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(kKey, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export function accessToken() {
  return sessionStorage.getItem(kKey) || '';
}
