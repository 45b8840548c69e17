// params.yaml as DVCLive writes it (ruamel.yaml's dump of the logged params). js-yaml ships no types
// of its own; its load is declared here as far as this reader uses it.
import jsYaml from 'js-yaml';

interface JsYaml {
  load(text: string, options?: { schema?: unknown; json?: boolean }): unknown;
  CORE_SCHEMA: unknown;
}

/** The parsed document, or undefined when it is not valid YAML (e.g. half-written). */
export function parseYaml(text: string): unknown {
  try {
    // The core schema: plain values only (no timestamps or other tags turned into objects).
    return (jsYaml as unknown as JsYaml).load(text, { schema: (jsYaml as unknown as JsYaml).CORE_SCHEMA });
  } catch {
    return undefined;
  }
}
