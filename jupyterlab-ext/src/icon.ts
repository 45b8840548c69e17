import { LabIcon } from '@jupyterlab/ui-components';

// Two lanes and a run: the Runlane mark, drawn in the theme's icon colour.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="4" width="18" height="2.2" rx="1.1"/>
    <rect x="3" y="17.8" width="18" height="2.2" rx="1.1"/>
    <path d="M7 9.2h6.5l-2.3-2.1 1.4-1.4 4.6 4.3-4.6 4.3-1.4-1.4 2.3-2.1H7z"/>
  </g>
</svg>`;

export const runlaneIcon = new LabIcon({ name: 'runlane:icon', svgstr: svg });
