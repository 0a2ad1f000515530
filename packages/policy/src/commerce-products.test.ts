import { describe, expect, it } from 'vitest';
import { COMMERCE_RBAC, FIELD_WRITES, ORDER_STATUSES, managesCustomerLinks, orderDeletable, writableFields, type CommerceRole } from './commerce.ts';
import { PRODUCT_STATUSES, productTransitionLegal, sellable, statusProblem } from './commerce-products.ts';

describe('when a product may be sold', () => {
  const cases: Array<[(typeof PRODUCT_STATUSES)[number], number | null, boolean, 'PRICE_REQUIRED' | null]> = [
    ['DRAFT', null, false, null],
    ['DRAFT', 1000, false, null],
    ['PUBLISHED', null, false, 'PRICE_REQUIRED'],
    ['PUBLISHED', 0, true, null],
    ['PUBLISHED', 1000, true, null],
    ['ARCHIVED', null, false, null],
    ['ARCHIVED', 1000, false, null],
  ];
  for (const [status, price, forSale, problem] of cases) {
    it(`a ${status} product priced ${price} is ${forSale ? '' : 'not '}for sale${problem ? ' and is refused' : ''}`, () => {
      expect(sellable({ status, price })).toBe(forSale);
      expect(statusProblem({ status, price })).toBe(problem);
    });
  }

  it('publishes from DRAFT or ARCHIVED, archives from DRAFT or PUBLISHED, and never goes back to DRAFT', () => {
    const legal = PRODUCT_STATUSES.flatMap((from) => PRODUCT_STATUSES.filter((to) => from !== to && productTransitionLegal(from, to)).map((to) => `${from}>${to}`));
    expect(legal.sort()).toEqual(['ARCHIVED>PUBLISHED', 'DRAFT>ARCHIVED', 'DRAFT>PUBLISHED', 'PUBLISHED>ARCHIVED']);
  });

  it('leaves the price to roles that may write it, and gives none of those a way around it', () => {
    // The roles that may publish (status) without pricing are exactly the ones the rule above stops.
    const publishWithoutPricing = (Object.keys(FIELD_WRITES) as CommerceRole[]).filter((r) => {
      const f = writableFields([r], 'products');
      return f !== '*' && f.has('status') && !f.has('price');
    });
    expect(publishWithoutPricing).toEqual(['INVENTORY_MANAGER', 'CONTENT_MANAGER']);
  });
});

describe('deleting an order', () => {
  it('is refused while it can still be cancelled (its stock is reserved), allowed once final or shipped', () => {
    expect(ORDER_STATUSES.filter(orderDeletable)).toEqual(['FULFILLED', 'DELIVERED', 'CANCELLED']);
  });
});

describe('who manages customer links', () => {
  it('is whoever may update customers and grant CUSTOMER', () => {
    const roles = (['SUPER_ADMIN', 'OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'STORE_ADMIN', 'SALES_MANAGER', 'INVENTORY_MANAGER', 'CUSTOMER_SERVICE', 'CONTENT_MANAGER', 'MARKETING_MANAGER', 'DELIVERY_BOY', 'CUSTOMER'] as const).filter(
      (r) => managesCustomerLinks(COMMERCE_RBAC.grantsOf([r])),
    );
    expect(roles).toEqual(['SUPER_ADMIN', 'OWNER', 'ADMIN', 'STORE_ADMIN', 'SALES_MANAGER']);
  });
});
