-- A read-only account for the MariaDB source (docker-compose.yml runs this after loading Sakila).
-- dbsynth needs SELECT (tables) and SHOW VIEW (view definitions) to reflect, profile and seed.
CREATE USER 'dbsynth_reader'@'%' IDENTIFIED BY 'reader';
GRANT SELECT, SHOW VIEW ON sakila.* TO 'dbsynth_reader'@'%';
