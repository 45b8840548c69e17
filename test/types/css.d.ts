// The test harnesses bundle CSS with esbuild's text loader: importing a .css file gives its text.
declare module '*.css' {
  const text: string;
  export default text;
}
