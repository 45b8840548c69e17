// The version every part reports (health, runtime file, --version); kept in step with package.json.
export const RUNLANE_VERSION = '0.1.0';
