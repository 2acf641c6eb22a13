// Placeholder page: shows the daemon's /health status. Replaced by the real UI (issue 8).
const output = document.getElementById('health');
async function refresh() {
  try {
    const response = await fetch('/health', { cache: 'no-store' });
    const body = await response.json();
    output.textContent = `${body.status} (database ${body.database})`;
  } catch (error) {
    output.textContent = 'unreachable';
  }
}
refresh();
setInterval(refresh, 5000);
