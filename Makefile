# chekt_events: PGXS build of the extension.
#
# The version lives only in chekt_events.control (default_version).  The
# scripts are sql/chekt_events--0.1.0.sql (the first release, installed as
# is) and one upgrade script per release after it,
# sql/chekt_events--<from>--<to>.sql; CREATE EXTENSION reaches the default
# version by running the install script and then the upgrade chain, so no
# release's schema is written twice.  Every other file in sql/ is a
# pg_regress test with its expected output in expected/.

EXTENSION = chekt_events
EXTVERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = chekt_events
OBJS = \
	src/analyst_scope.o \
	src/authenticate.o \
	src/batch.o \
	src/catalog.o \
	src/chekt_events.o \
	src/citus.o \
	src/delivery.o \
	src/delivery_count.o \
	src/entry.o \
	src/hmac.o \
	src/json_event.o \
	src/judge.o \
	src/listing.o \
	src/outcome.o \
	src/owner.o \
	src/parse.o \
	src/receipt.o \
	src/rfc3339.o \
	src/route.o \
	src/schemas.o \
	src/secret.o \
	src/signature.o \
	src/signature_header.o \
	src/store_alarms.o \
	src/store_devices.o \
	src/store_events.o \
	src/store_refusals.o \
	src/writer.o \
	src/xact_state.o

DATA = $(wildcard sql/$(EXTENSION)--*.sql)

REGRESS = $(sort $(filter-out $(EXTENSION)--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --load-extension=pgcrypto --load-extension=$(EXTENSION) --encoding=UTF8

# Concurrency: isolation tester specs, test/isolation/specs/*.spec with
# their expected output in test/isolation/expected/
ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION) --encoding=UTF8

PG_CFLAGS = -Wall -Wextra -Werror
# The server's headers are not -Wextra clean (unused parameters in inline
# functions); as system headers they keep their warnings to themselves while
# ours stay under the full set.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -DCHEKT_VERSION='"$(EXTVERSION)"'
SHLIB_LINK = -lcrypto -ljansson

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object is rebuilt when a header changes (they share structs).
$(OBJS): $(wildcard src/*.h) $(EXTENSION).control

# Objects built for one PostgreSQL are never installed into another: the
# stamp names the pg_config they were built with and is rewritten, making
# them and the receiver stale, when another is used.  (A `make install`
# for 15 after a build for 18 installed objects that called 18's functions:
# "undefined symbol: object_aclcheck" at CREATE EXTENSION.)
BUILD_STAMP = .built-for-pg
$(BUILD_STAMP): FORCE
	@want='$(shell $(PG_CONFIG) --bindir) $(shell $(PG_CONFIG) --version)'; \
	 if [ "$$(cat $@ 2>/dev/null)" != "$$want" ]; then \
	   echo "$$want" >$@; rm -f chekt-ingest/*.o chekt-ingest/chekt-ingest; \
	 fi
FORCE:
.PHONY: FORCE
$(OBJS): $(BUILD_STAMP)
EXTRA_CLEAN = $(BUILD_STAMP)

# chekt-ingest, the HTTP receiver, has its own PGXS Makefile (one PROGRAM
# or MODULE_big per Makefile); all, install, uninstall and clean reach it.
all: chekt-ingest/chekt-ingest
chekt-ingest/chekt-ingest: $(wildcard chekt-ingest/*.c chekt-ingest/*.h) src/chekt_protocol.h src/hex.h chekt-ingest/Makefile $(BUILD_STAMP)
	$(MAKE) -C chekt-ingest PG_CONFIG=$(PG_CONFIG)
install: install-chekt-ingest
install-chekt-ingest: chekt-ingest/chekt-ingest
	$(MAKE) -C chekt-ingest PG_CONFIG=$(PG_CONFIG) install
uninstall: uninstall-chekt-ingest
uninstall-chekt-ingest:
	$(MAKE) -C chekt-ingest PG_CONFIG=$(PG_CONFIG) uninstall
clean: clean-chekt-ingest
clean-chekt-ingest:
	$(MAKE) -C chekt-ingest PG_CONFIG=$(PG_CONFIG) clean
.PHONY: install-chekt-ingest uninstall-chekt-ingest clean-chekt-ingest

ifeq ($(EXTVERSION),)
$(error default_version not found in $(EXTENSION).control)
endif
ifeq ($(wildcard sql/$(EXTENSION)--$(EXTVERSION).sql sql/$(EXTENSION)--*--$(EXTVERSION).sql),)
$(error no script reaches version $(EXTVERSION), the default_version of $(EXTENSION).control)
endif
