import { CubeError } from '../../errors.ts';

/** Opaque paging cursors: the offset of the next item, base64url-encoded. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, path: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^o:(\d{1,10})$/.exec(text);
  if (match === null) {
    throw new CubeError('QUERY_INVALID', `"${cursor}" is not a cursor this server issued`, {
      path,
      hint: 'pass the endCursor of the previous page, or omit it to start at the beginning',
    });
  }
  return Number(match[1]);
}
