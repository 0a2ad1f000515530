ALTER TABLE "products" ALTER COLUMN "price" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "products" ALTER COLUMN "price" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_published_priced_ck" CHECK ("products"."status" <> 'PUBLISHED' OR "products"."price" IS NOT NULL);