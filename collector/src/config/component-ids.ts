/** `type[/name]` ids, with otelcol's rules for what a type and a name may contain. */

// From otelcol's component.Type and component.ID validation.
const TYPE = /^[A-Za-z][0-9A-Za-z_]{0,62}$/;
const NAME = /^[^\p{Z}\p{C}\p{S}/]+$/u; // no spaces, control characters, symbols or further slashes

/** Why `id` is not a valid `type[/name]`, or undefined if it is. */
export function idError(id: string): string | undefined {
  const slash = id.indexOf('/');
  const type = slash === -1 ? id : id.slice(0, slash);
  if (!TYPE.test(type)) {
    return `invalid id "${id}": the type must start with a letter and contain only letters, digits and "_" (at most 63)`;
  }
  if (slash !== -1) {
    const name = id.slice(slash + 1);
    if (name === '') return `invalid id "${id}": a name must follow "/"`;
    if (!NAME.test(name)) return `invalid id "${id}": the name must not contain spaces, symbols, control characters or "/"`;
  }
  return undefined;
}
