// js-yaml ships no types; yaml.ts declares the part it uses.
declare module 'js-yaml';
