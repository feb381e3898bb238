# den: build, install and test. `make help` lists the targets.
PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin
SWIFT ?= swift
ARCH_LIBDIR := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# The static archives `make release` links: libarchive, what it compresses with, libstdc++.
STATIC_LIBS := archive nettle acl lzma zstd lz4 bz2 z
# -no-pie: a static-pie binary spends ~0.4 ms per start applying 39k relocations, and den
# starts twice to enter an env. The heap, stack and libc stay randomised.
# -Xlinker -lz last: SwiftNIO's zlib use puts -lz before libarchive on the link line, and a
# static archive only serves what is undefined when the linker reaches it.
# --no-export-dynamic: the Swift backtracer's start-up calls dladdr, which walks every
# exported symbol (28,000 of them, ~0.3 ms per start); nothing looks den's symbols up.
# -disable-concrete-type-metadata-mangled-name-accessors: generic types get their metadata
# from accessors that pass the conformances along, instead of from mangled names that the
# runtime resolves by scanning all 6,800 conformance records of the binary on first use.
# --disable-local-rpath: with the Swift libraries linked in, an $ORIGIN runpath only made
# the dynamic loader look for libc and libm in 13 directories next to den on every start.
RELEASE_FLAGS := -c release --static-swift-stdlib --disable-local-rpath -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
	-Xswiftc -Xclang-linker -Xswiftc -no-pie -Xlinker -lz -Xlinker --no-export-dynamic \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
# Debian packages den needs to build (and its tests need to run).
BUILD_DEPS := libarchive-dev libzstd-dev liblzma-dev libbz2-dev zlib1g-dev liblz4-dev libacl1-dev nettle-dev
TEST_DEPS := busybox-static uidmap passwd util-linux zstd lz4 xz-utils bzip2 gzip tar dpkg-dev apt-utils gpg gpgv python3 iproute2 mmdebstrap docker-registry skopeo podman runc

.PHONY: all build release install test fuzz-smoke deps templates clean help

all: build

help:
	@echo "make deps      install the Debian packages needed to build and test (uses sudo when not root)"
	@echo "make build     debug build: .build/debug/den"
	@echo "make release   single static binary: .build/release/den (ldd shows only glibc)"
	@echo "make install   release build installed as $(BINDIR)/den"
	@echo "make test      the whole test suite (unit and integration, as an unprivileged user)"
	@echo "make templates regenerate the embedded copies of templates/"
	@echo "make fuzz-smoke build the libFuzzer targets and run each for 20 s (scripts/fuzz)"

deps:
	@missing=$$(for p in $(BUILD_DEPS) $(TEST_DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing:" $$missing; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build:
	$(SWIFT) build --product den

static-libs:
	mkdir -p static-libs
	for l in $(STATIC_LIBS); do ln -sf /usr/lib/$(ARCH_LIBDIR)/lib$$l.a static-libs/; done
	ln -sf "$$(gcc -print-file-name=libstdc++.a)" static-libs/

release: static-libs
	DEN_STATIC=1 $(SWIFT) build $(RELEASE_FLAGS) --product den
	@ls -l .build/release/den && ldd .build/release/den

install: release
	install -d "$(BINDIR)"
	install -m 0755 -s .build/release/den "$(BINDIR)/den"
	@echo "installed $(BINDIR)/den"

templates:
	./scripts/embed-templates

test:
	./scripts/test

fuzz-smoke:
	./scripts/fuzz smoke

clean:
	rm -rf .build static-libs
