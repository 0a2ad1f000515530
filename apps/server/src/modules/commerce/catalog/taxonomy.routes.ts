import { Type } from 'typebox';
import type { RouteSpec } from '../../../http/route.ts';
import type { CommerceAccess } from '../access.ts';
import { storeCrudRoutes } from '../crud-routes.ts';
import { Name, Nullable, Slug, Text, Uuid, strict } from '../routing.ts';
import type { BrandsService } from './brands.service.ts';
import type { CategoriesService } from './categories.service.ts';
import { BrandView, CategoryView } from './taxonomy.view.ts';

const common = { slug: Type.Optional(Slug), description: Type.Optional(Text) };
const Search = Type.Optional(Type.String({ minLength: 1, maxLength: 100 }));
const Website = Type.String({ format: 'uri', maxLength: 2048 });

export function categoriesRoutes(access: CommerceAccess, service: CategoriesService): RouteSpec[] {
  const parent = { parentId: Type.Optional(Nullable(Uuid)) };
  return storeCrudRoutes(
    access,
    {
      url: '/api/categories',
      resource: 'categories',
      group: 'Categories',
      view: CategoryView,
      filters: { parentId: Type.Optional(Uuid), q: Search },
      create: Type.Object({ storeId: Uuid, name: Name, ...common, ...parent }, strict),
      update: Type.Object({ name: Type.Optional(Name), ...common, ...parent }, strict),
      notes: {
        list: 'List categories (`storeId`, `parentId`, `q`)',
        create: 'Create category (parent in the same store)',
        get: 'Get category details',
        update: 'Update category (no cycles in the tree)',
        delete: 'Delete category (soft delete; not while it has subcategories)',
      },
    },
    service,
  );
}

export function brandsRoutes(access: CommerceAccess, service: BrandsService): RouteSpec[] {
  return storeCrudRoutes(
    access,
    {
      url: '/api/brands',
      resource: 'brands',
      group: 'Brands',
      view: BrandView,
      filters: { q: Search },
      create: Type.Object({ storeId: Uuid, name: Name, ...common, website: Type.Optional(Nullable(Website)) }, strict),
      update: Type.Object({ name: Type.Optional(Name), ...common, website: Type.Optional(Nullable(Website)) }, strict),
      notes: {
        list: 'List brands (`storeId`, `q`)',
        create: 'Create brand',
        get: 'Get brand details',
        update: 'Update brand',
        delete: 'Delete brand (soft delete)',
      },
    },
    service,
  );
}
