/**
 * Cube, dimension, level and measure names are already GraphQL names (the definition
 * schema only allows letters, digits and _); these helpers only build type names from
 * them and keep the few words GraphQL reserves out of enums.
 */
export function pascal(name: string): string {
  return name
    .split('_')
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

const RESERVED_ENUM_VALUES = new Set(['true', 'false', 'null']);

/** An enum value name for a model name: `true`, `false` and `null` get a trailing _. */
export function enumValueName(name: string): string {
  return RESERVED_ENUM_VALUES.has(name) ? `${name}_` : name;
}

/** Field name of a measure with a share variant: profit + pctOfTotal → profit_pctOfTotal. */
export function variantFieldName(measure: string, variant: string): string {
  return `${measure}_${variant}`;
}
