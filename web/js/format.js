// Display formatting of values from the API. Pure.

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});

// An RFC 3339 timestamp as local time: "14:03:05" today, "Nov 24, 14:03" otherwise.
export function formatTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toDateString() === now.toDateString() ? timeOnly.format(date) : dateAndTime.format(date);
}

export function formatCount(n) {
  return typeof n === 'number' ? n.toLocaleString() : '–';
}

export function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : '';
}

// The activity log's description of what an update changed: "status pending → shipped" when the
// old row is known, else the column names. updated_at is implied by every update and left out.
export function describeChanges(change) {
  const fields = (change.changed || []).filter((field) => field !== 'updated_at');
  return fields.map((field) => {
    if (change.old && field in change.old) {
      return `${field.replace('_name', '')}: ${change.old[field]} → ${change.data[field]}`;
    }
    return field;
  });
}
