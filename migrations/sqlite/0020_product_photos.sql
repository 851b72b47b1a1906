-- 商品写真 (issue 21): one optional photo per product, shown on the till's tile. Stored as the
-- server made it (a JPEG within 320 × 320), named by the start of its SHA-256 (`version`), which
-- is also its URL's `v` and its ETag. Replaced by a new upload, deleted by removing it.
CREATE TABLE product_photos (
    product_id   INTEGER NOT NULL PRIMARY KEY REFERENCES products (id),
    version      TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    updated_at   TEXT    NOT NULL
);
