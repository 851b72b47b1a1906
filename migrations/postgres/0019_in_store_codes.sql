-- インストアコード (issue 21): JAN codes beginning with 02 or 20–29 are a shop's own numbers,
-- unique within a facility only; two facilities may use the same one. Real JANs stay unique in
-- the whole catalogue (`jan`, as before); in-store codes move to a column of their own, unique
-- per facility. The API still shows one code per product (the one that is set).
ALTER TABLE products ADD COLUMN in_store_code TEXT;
UPDATE products SET in_store_code = jan, jan = NULL
 WHERE substr(jan, 1, 2) = '02' OR substr(jan, 1, 1) = '2';
CREATE UNIQUE INDEX products_facility_id_in_store_code_key ON products (facility_id, in_store_code);
