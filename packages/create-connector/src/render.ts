// The template renderer: `{{name}}` placeholders and nothing else (no logic in templates:
// what differs by kind lives in templates/<kind>/). Smaller than handlebars and enough for
// a scaffold; an unknown placeholder is reported instead of rendered empty, so a typo in a
// template fails the generator's test rather than producing a broken connector.

export type Variables = Readonly<Record<string, string>>;

export interface Rendered {
  text: string;
  /** Placeholders the variables do not define. */
  unknown: string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function render(template: string, variables: Variables): Rendered {
  const unknown = new Set<string>();
  const text = template.replace(PLACEHOLDER, (match, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      unknown.add(name);
      return match;
    }
    return value;
  });
  return { text, unknown: [...unknown] };
}
