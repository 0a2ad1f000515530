export { createCustomersService, type CustomersService } from './customers.service.ts';
export { customersRoutes } from './customers.routes.ts';
export { AddressSchema } from './customers.view.ts';
