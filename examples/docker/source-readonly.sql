-- A read-only role for the source (docker-compose.yml runs this after loading Chinook).
-- dbsynth needs nothing more than this to reflect, profile and seed from a database:
-- CONNECT, USAGE on the schema, SELECT on its tables and sequences. The role's
-- transactions are read-only by default as well, so even a mistaken write is refused.
CREATE ROLE dbsynth_reader LOGIN PASSWORD 'reader';
GRANT CONNECT ON DATABASE chinook TO dbsynth_reader;
GRANT USAGE ON SCHEMA public TO dbsynth_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO dbsynth_reader;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO dbsynth_reader;
ALTER ROLE dbsynth_reader SET default_transaction_read_only = on;
