# Loads the official MySQL Sakila (examples/sakila, xz) into the MariaDB source container.
# The entrypoint sources this file during its first start, while the server still listens on
# its socket only, so the healthcheck reports ready only after the load. MariaDB skips MySQL's
# /*!50705 … */ comments (the address.location column and its values): the sed runs them.
set -e
for part in mysql-schema.sql.xz mysql-data.sql.xz; do
  xzcat "/sakila/$part" | sed 's#/\*!50705 #/*M!50705 #g' | docker_process_sql
done
