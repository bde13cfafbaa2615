#!/bin/sh
# The camhealth service of docker-compose.yml: wait for the simulator's registry files, import
# them, and run the monitor. Everything lives in the shared volume at $CAMHEALTH_DATA.
set -eu
data="${CAMHEALTH_DATA:-/var/lib/camhealth}"

tries=0
until [ -s "$data/fleet.csv" ] && [ -s "$data/fleet-areas.csv" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 300 ]; then
    echo "no registry from the simulator in $data after 5 minutes" >&2
    exit 1
  fi
  sleep 1
done

# The key that encrypts the cameras' logins at rest; made once, kept in the volume.
[ -s "$data/credentials.key" ] || camhealth keys generate --out "$data/credentials.key"
camhealth areas import "$data/fleet-areas.csv"
camhealth cameras import "$data/fleet.csv"
exec camhealth run
