export { createProductsService, type ProductsService } from './products.service.ts';
export { createProductChangesService, type ProductChangesService } from './product-changes.service.ts';
export { createCategoriesService, type CategoriesService } from './categories.service.ts';
export { createBrandsService, type BrandsService } from './brands.service.ts';
export { productsRoutes } from './products.routes.ts';
export { categoriesRoutes, brandsRoutes } from './taxonomy.routes.ts';
