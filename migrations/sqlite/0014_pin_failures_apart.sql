-- PIN failures are counted and locked apart from password failures: guessing a council user's
-- approval PIN never locks them out of signing in with their password (and the reverse).
ALTER TABLE users ADD COLUMN pin_failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pin_locked_until TEXT;
