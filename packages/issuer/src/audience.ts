// An `aud` given as one string or several, as the list the tokens and the families carry.
export function audienceList(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}
