import { Type, type Static, type TSchema } from 'typebox';

/** `?page=` (1-based) and `?perPage=` (default 20, max 100), as CONTRACT.md fixes them. */
export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

export const PageMeta = Type.Object({ page: Type.Integer(), perPage: Type.Integer(), total: Type.Integer() });

export function pageOf(q: { page?: number | undefined; perPage?: number | undefined }): { page: number; perPage: number } {
  return { page: q.page ?? 1, perPage: q.perPage ?? 20 };
}

export const listOf = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), meta: PageMeta });
export const dataOf = <T extends TSchema>(item: T) => Type.Object({ data: item });
export type PageMetaT = Static<typeof PageMeta>;
