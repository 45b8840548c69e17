// Single-quoting for POSIX shells: the one way user strings enter a shell script Runlane generates
// (a Slurm batch script) or displays (a job's command line).
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
