# infrac: build, demo and tests.
#
#   make            build build/infrac
#   make demo       install what is missing, build, run infrac on examples/becker.infra
#   make test       install what is missing, build with ASan+UBSan, run every test
#   make bench      benchmarks (figures go to docs/)
#   make fuzz       fuzz check and build with libFuzzer for FUZZ_SECONDS (60)
#   make golden-update   rewrite expected outputs under tests/golden and
#                        tests/golden-cost for review
#
# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer;
# BUILD=dir chooses the output folder (make test uses build/san).

BUILD    ?= build
CC       ?= cc
FLEX     ?= flex
BISON    ?= bison
OPT      ?= -O2 -g

WARN := -std=c17 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla -Werror
# generated scanner and parser code is not ours to fix
GEN_WARN := -std=c17 -Wall -Wextra -Werror -Wno-unused-function -Wno-sign-compare \
	-Wno-unused-parameter -Wno-missing-field-initializers

ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif

PKG_CONFIG ?= pkg-config
LIBS_PC  := json-c libcurl yaml-0.1
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# ---- layers -----------------------------------------------------------------
# Inside compiler/ and runtime/ every folder is a layer (docs/architecture.md).
# A folder is compiled with the include paths of its own layer and of the
# layers below it only, so an upward #include does not compile (see
# tests/layers).  grammar/ implements the parser the front end declares in
# compiler/lang/parse.h: it sees lang, and lang never sees grammar.
INC_base    := -Icompiler/base
INC_lang    := $(INC_base) -Icompiler/lang
INC_grammar := $(INC_lang) -Igrammar -I$(BUILD)/grammar
INC_cost    := $(INC_lang) -Icompiler/cost
INC_emit    := $(INC_lang) -Icompiler/emit
INC_report  := $(INC_cost) -Icompiler/report
INC_lsp     := $(INC_report) -Icompiler/lsp
INC_remote  := $(INC_lang) -Iruntime/remote
INC_cloud   := $(INC_emit) -Iruntime/remote -Iruntime/cloud
INC_cli     := $(INC_report) -Icompiler/lsp -Icompiler/emit -Iruntime/remote -Iruntime/cloud -Icli
INC_tests   := $(INC_cli) -I$(BUILD)/grammar
LAYERS := base lang grammar cost emit report lsp remote cloud cli
DIR_base := compiler/base
DIR_lang := compiler/lang
DIR_grammar := grammar
DIR_cost := compiler/cost
DIR_emit := compiler/emit
DIR_report := compiler/report
DIR_lsp := compiler/lsp
DIR_remote := runtime/remote
DIR_cloud := runtime/cloud
DIR_cli := cli
$(foreach l,$(LAYERS),$(eval $(BUILD)/$(DIR_$(l))/%.o: LAYER_INC = $(INC_$(l))))

ALL_CFLAGS = $(OPT) $(SANFLAGS) $(LAYER_INC) $(PC_CFLAGS) -D_GNU_SOURCE -MMD -MP
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

LIB_DIRS := $(foreach l,$(filter-out grammar cli,$(LAYERS)),$(DIR_$(l)))
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRCS := $(wildcard cli/*.c)
GEN_SRCS := $(BUILD)/grammar/parser.c $(BUILD)/grammar/lexer.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(GEN_SRCS:.c=.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
# programs a suite drives the library with: tests/SUITE/tool_*.c
TOOL_SRCS := $(wildcard tests/*/tool_*.c)
TOOL_BINS := $(TOOL_SRCS:%.c=$(BUILD)/%)

INFRAC := $(BUILD)/infrac

.PHONY: all demo test test-all test-suite bench deps deps-test clean golden-update print-layers \
	man install uninstall deb fuzz
.DEFAULT_GOAL := all

all: $(INFRAC)

$(INFRAC): $(CLI_OBJS) $(BUILD)/libinfrac.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJS) $(BUILD)/libinfrac.a $(PC_LIBS) -lm

# The build's name for --version: git describe, or "unknown" outside a
# checkout.  The stamp changes only when the name does, and main.o with it.
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/cli/main.o: $(BUILD)/version.stamp
$(BUILD)/cli/main.o: ALL_CFLAGS += -DINFRAC_VERSION='"$(VERSION)"'
.PHONY: FORCE

$(BUILD)/libinfrac.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/grammar/parser.c $(BUILD)/grammar/parser.h &: grammar/parser.y
	@mkdir -p $(@D)
	$(BISON) -Wall -Werror --defines=$(BUILD)/grammar/parser.h -o $(BUILD)/grammar/parser.c $<

$(BUILD)/grammar/lexer.c: grammar/lexer.l $(BUILD)/grammar/parser.h
	@mkdir -p $(@D)
	$(FLEX) -o $@ $<

$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c
	@echo "  CC      $@"
	@$(CC) $(GEN_WARN) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(WARN) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: LAYER_INC = $(INC_tests)
$(BUILD)/tests/%: tests/%.c $(BUILD)/libinfrac.a
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(WARN) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< \
		$(BUILD)/libinfrac.a $(CMOCKA_LIBS) $(PC_LIBS) -lm $(LDFLAGS_ALL)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- man pages, install ---------------------------------------------------
# infrac(1)'s COMMANDS come from the commands' own usage texts
# (cli/usage.c, printed by `infrac __man`) so the two cannot disagree.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
VIMDIR      ?= $(PREFIX)/share/vim/vimfiles
DATADIR     ?= $(PREFIX)/share/infrac
MAN_PAGES := $(BUILD)/man/infrac.1 $(BUILD)/man/infrac.5

man: $(MAN_PAGES)

$(BUILD)/man/infrac.1: docs/man/infrac.1.in $(INFRAC)
	@mkdir -p $(@D)
	@$(INFRAC) __man >$(@D)/commands.troff
	@sed -e '/^\.\\" COMMANDS$$/{r $(@D)/commands.troff' -e 'd}' $< >$@

$(BUILD)/man/infrac.5: docs/man/infrac.5
	@mkdir -p $(@D)
	@cp $< $@

# install FILE MODE DIR: one file into $(DESTDIR)DIR
install_file = install -d $(DESTDIR)$(3) && install -m $(2) $(1) $(DESTDIR)$(3)/$(4)

install: all man
	$(call install_file,$(INFRAC),755,$(BINDIR),infrac)
	$(call install_file,$(BUILD)/man/infrac.1,644,$(MANDIR)/man1,infrac.1)
	$(call install_file,$(BUILD)/man/infrac.5,644,$(MANDIR)/man5,infrac.5)
	$(call install_file,cli/completion/infrac.bash,644,$(BASHCOMPDIR),infrac)
	$(call install_file,cli/completion/_infrac,644,$(ZSHCOMPDIR),_infrac)
	$(foreach d,syntax ftdetect ftplugin,$(call install_file,grammar/editors/vim/$(d)/infrac.vim,644,$(VIMDIR)/$(d),infrac.vim) &&) true
	$(call install_file,grammar/editors/infrac.tmLanguage.json,644,$(DATADIR),infrac.tmLanguage.json)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/infrac $(DESTDIR)$(MANDIR)/man1/infrac.1 \
		$(DESTDIR)$(MANDIR)/man5/infrac.5 $(DESTDIR)$(BASHCOMPDIR)/infrac \
		$(DESTDIR)$(ZSHCOMPDIR)/_infrac $(DESTDIR)$(DATADIR)/infrac.tmLanguage.json \
		$(foreach d,syntax ftdetect ftplugin,$(DESTDIR)$(VIMDIR)/$(d)/infrac.vim)

# ---- the Debian package ---------------------------------------------------
# cli/debian-package/build.sh stages the tree with its debian/ folder and
# runs dpkg-buildpackage -us -uc -b and lintian; the .deb and lintian.txt
# land in $(BUILD)/deb.  tests/deb checks the package (make test runs it).
DEB_DEPS := build-essential debhelper dpkg-dev fakeroot lintian

deb:
	$(call ensure_pkgs,$(BUILD_DEPS) $(DEB_DEPS))
	@cli/debian-package/build.sh $(BUILD)/deb

# ---- packages -------------------------------------------------------------
# A fresh Debian 12 needs these; only what is missing is installed.
BUILD_DEPS := gcc make flex bison pkg-config libcurl4-openssl-dev \
	libjson-c-dev libyaml-dev
# one line per suite's needs, so that suites can be added independently
TEST_DEPS := libcmocka-dev python3 valgrind
TEST_DEPS += hcloud-cli python3-hcloud   # tests/sim: the official clients
TEST_DEPS += chromium                   # tests/golden-cost: the SVG renders
TEST_DEPS += docker-compose nginx cloud-init openssl curl  # tests/build: the real tools
TEST_DEPS += openssh-server openssh-client   # tests/deploy: a real sshd
TEST_DEPS += docker-registry                 # tests/registry: the distribution registry
TEST_DEPS += neovim                          # tests/lsp: a real LSP client
TEST_DEPS += graphviz                   # tests/graph: dot renders the graph
TEST_DEPS += zsh                        # tests/completion: a real zsh completes
TEST_DEPS += vim                        # tests/editors: vim loads the syntax
# tests/editors: vscode-textmate from npm; Debian's npm brings nodejs (an npm
# already on the PATH, as a nodejs that bundles it has, is used as it is)
TEST_DEPS += $(if $(shell command -v npm 2>/dev/null),,npm)
TEST_DEPS += groff man-db               # tests/install: groff -ww, man --warnings
TEST_DEPS += $(DEB_DEPS)                  # tests/deb: the package (dpkg-buildpackage wants build-essential)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

define ensure_pkgs
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call ensure_pkgs,$(BUILD_DEPS))

deps-test: deps
	$(call ensure_pkgs,$(TEST_DEPS))

# ---- user-facing ----------------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory all
	@echo '$$ infrac check examples/becker.infra'
	@$(INFRAC) check examples/becker.infra
	@echo '$$ infrac cost examples/becker.infra'
	@$(INFRAC) cost examples/becker.infra
	@echo '$$ infrac build examples/becker.infra -o build/demo'
	@$(INFRAC) build examples/becker.infra -o build/demo
	@echo '$$ infrac plan examples/becker.infra --phase production'
	@env -u HCLOUD_TOKEN $(INFRAC) plan examples/becker.infra --phase production || [ $$? = 2 ]

SAN_BUILD := build/san
SAN_MAKE = $(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=1 OPT="-O1 -g"
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1:exitcode=98

# Every tests/SUITE/run.sh is a suite; each gets the sanitized binary as
# its argument and ends with an "N passed, N failed" line.  tests/bench is
# `make bench`, timed on the optimized build, never part of make test.
SUITES := $(filter-out bench bench-%,$(sort $(patsubst tests/%/run.sh,%,$(wildcard tests/*/run.sh))))

test: deps-test
	@$(SAN_MAKE) test-all

test-all: $(INFRAC) $(UNIT_BINS) $(TOOL_BINS)
	@failed=0; \
	tests/run-unit.sh $(UNIT_BINS) || failed=1; \
	for s in $(SUITES); do tests/$$s/run.sh $(abspath $(INFRAC)) || failed=1; done; \
	if [ $$failed = 0 ]; then echo "make test: every suite passed"; \
	else echo "make test: FAILED"; exit 1; fi

# one suite: make test-suite SUITE=golden
test-suite: $(INFRAC) $(TOOL_BINS)
	@tests/$(SUITE)/run.sh $(abspath $(INFRAC))

# The layers, one a line: name, folder, include paths (tests/layers reads it).
print-layers:
	@$(foreach l,$(LAYERS),echo "$(l) $(DIR_$(l)) $(INC_$(l))";)

golden-update: $(INFRAC)
	@UPDATE=1 tests/golden/run.sh $(abspath $(INFRAC))
	@UPDATE=1 tests/golden-cost/run.sh $(abspath $(INFRAC))
	@UPDATE=1 tests/build/run.sh $(abspath $(INFRAC))

bench: deps
	$(call ensure_pkgs,python3)
	@$(MAKE) --no-print-directory all
	@tests/bench/run.sh $(INFRAC)
	@tests/bench-plan/run.sh $(abspath $(INFRAC))
	@tests/bench-apply/run.sh $(abspath $(INFRAC))
	@tests/bench-lsp/run.sh $(abspath $(INFRAC))

# ---- fuzzing ---------------------------------------------------------------
# tests/fuzz/tool_fuzz.c as a libFuzzer target, built by Debian's clang with
# the library instrumented for coverage; run from a corpus seeded with the
# golden and example files (docs/fuzz.md).  Not part of make test, which
# replays the corpus once (tests/fuzz/run.sh).
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# clang warns where gcc does not: reported, not fatal, in this build only
FUZZ_MAKE = $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT="-O1 -g" \
	SANFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" WARN="$(filter-out -Werror,$(WARN))"

fuzz: deps
	$(call ensure_pkgs,clang)
	@$(FUZZ_MAKE) $(FUZZ_BUILD)/fuzz_check
	@tests/fuzz/fuzz.sh $(FUZZ_BUILD)/fuzz_check $(FUZZ_SECONDS)

$(FUZZ_BUILD)/fuzz_check: tests/fuzz/tool_fuzz.c $(FUZZ_BUILD)/libinfrac.a
	@echo "  CCLD    $@"
	@$(CC) $(WARN) $(OPT) $(INC_tests) $(PC_CFLAGS) -D_GNU_SOURCE -DINFRAC_LIBFUZZER \
		-fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_BUILD)/libinfrac.a $(PC_LIBS) -lm

clean:
	rm -rf build
