# chekt_events: PGXS build of the extension.
#
# The version lives only in chekt_events.control (default_version); the
# install script for that version is sql/chekt_events--<version>.sql and every
# upgrade script is sql/chekt_events--<from>--<to>.sql.  Every other file in
# sql/ is a pg_regress test with its expected output in expected/.

EXTENSION = chekt_events
EXTVERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = chekt_events
OBJS = \
	src/authenticate.o \
	src/batch.o \
	src/catalog.o \
	src/chekt_events.o \
	src/hmac.o \
	src/ingest.o \
	src/outcome.o \
	src/owner_spi.o \
	src/parse.o \
	src/rfc3339.o \
	src/route.o \
	src/secret.o \
	src/signature.o \
	src/writer.o

EXTENSION_SCRIPT = sql/$(EXTENSION)--$(EXTVERSION).sql
UPGRADE_SCRIPTS = $(wildcard sql/$(EXTENSION)--*--*.sql)
DATA = $(EXTENSION_SCRIPT) $(UPGRADE_SCRIPTS)

REGRESS = $(sort $(filter-out $(EXTENSION)--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --load-extension=pgcrypto --load-extension=$(EXTENSION) --encoding=UTF8

PG_CFLAGS = -Wall -Wextra -Werror
# The server's headers are not -Wextra clean (unused parameters in inline
# functions); as system headers they keep their warnings to themselves while
# ours stay under the full set.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server)
SHLIB_LINK = -lcrypto -ljansson

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

ifeq ($(EXTVERSION),)
$(error default_version not found in $(EXTENSION).control)
endif
ifeq ($(wildcard $(EXTENSION_SCRIPT)),)
$(error $(EXTENSION_SCRIPT) is missing: default_version in $(EXTENSION).control names a version without an install script)
endif
