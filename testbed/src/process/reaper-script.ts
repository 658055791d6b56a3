/**
 * The reaper: a tiny plain-JS process that outlives nothing. The registry writes "+pid" / "-pid"
 * lines to its stdin; when that pipe closes, which the kernel does when the parent dies for any
 * reason, SIGKILL included, it kills every process group it was told about and exits. This is what
 * makes "no orphan is ever left" hold when the parent cannot run exit hooks.
 */
export const REAPER_SCRIPT = `
const pids = new Set();
process.on('SIGINT', () => {});
let buf = '';
const killAll = () => {
  for (const pid of pids) {
    try { process.kill(-pid, 'SIGKILL'); } catch {}
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  process.exit(0);
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') pids.add(pid);
    else if (line[0] === '-') pids.delete(pid);
  }
});
process.stdin.on('end', killAll);
process.stdin.on('error', killAll);
`;
