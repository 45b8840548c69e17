// "Install runlane into My Python": the shell line that pip-installs the helper the extension ships
// (dist/helper, a plain Python project with no dependencies) into the user's own interpreter.

/** Quoted so that paths with spaces work in sh, bash, zsh and PowerShell alike. */
export function installCommand(python: string, helperDir: string, platform: string = process.platform): string {
  const quote = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
  return `${platform === 'win32' ? '& ' : ''}${quote(python)} -m pip install ${quote(helperDir)}`;
}
