import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql/index.js';

/** The parts of GraphQLResolveInfo this module reads (graphql-js and graphql-jit both provide them). */
export interface SelectionInfo {
  fieldNodes: ReadonlyArray<FieldNode>;
  fragments: Record<string, FragmentDefinitionNode>;
}

/**
 * Which fields a cube result's `rows` and `totals` select: the measures to compute
 * come from the selection, so a client asks only for what it reads. Fragments are
 * followed; @skip / @include are ignored (computing a measure too many is harmless).
 */
export function selectedResultFields(info: SelectionInfo): { rows: string[]; totals: string[]; totalsSelected: boolean } {
  const rows: string[] = [];
  const totals: string[] = [];
  let totalsSelected = false;
  for (const node of info.fieldNodes) {
    for (const field of fieldsOf(node.selectionSet, info.fragments, [])) {
      if (field.name.value === 'rows') namesOf(field, info.fragments, rows);
      if (field.name.value === 'totals') {
        totalsSelected = true;
        namesOf(field, info.fragments, totals);
      }
    }
  }
  return { rows, totals, totalsSelected };
}

function namesOf(field: FieldNode, fragments: SelectionInfo['fragments'], into: string[]): void {
  for (const sub of fieldsOf(field.selectionSet, fragments, [])) into.push(sub.name.value);
}

/** The fields of a selection set, through fragments (each spread once), appended to `into`. */
function fieldsOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: SelectionInfo['fragments'],
  into: FieldNode[],
  seen = new Set<string>(),
): FieldNode[] {
  if (selectionSet === undefined) return into;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        into.push(selection);
        break;
      case Kind.INLINE_FRAGMENT:
        fieldsOf(selection.selectionSet, fragments, into, seen);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (seen.has(name)) break;
        seen.add(name);
        fieldsOf(fragments[name]?.selectionSet, fragments, into, seen);
      }
    }
  }
  return into;
}

/**
 * The keys of an input-object argument in the order the client wrote them. GraphQL
 * coerces input objects into schema field order, but a query's `levels` order means
 * something (column order; pctOfParent refers to the last grouped dimension).
 * `rawVariables` are the request's variables before coercion.
 */
export function argumentKeyOrder(info: SelectionInfo, argument: string, rawVariables: Record<string, unknown> | undefined): string[] | undefined {
  const node = info.fieldNodes[0]?.arguments?.find((candidate) => candidate.name.value === argument)?.value;
  return node === undefined ? undefined : keysOf(node, rawVariables);
}

function keysOf(node: ValueNode, rawVariables: Record<string, unknown> | undefined): string[] | undefined {
  if (node.kind === Kind.OBJECT) return node.fields.map((field) => field.name.value);
  if (node.kind === Kind.VARIABLE) {
    const value = rawVariables?.[node.name.value];
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : undefined;
  }
  return undefined;
}
