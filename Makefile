# The two commands of the README: `make demo` and `make test`. Both install what they need first.
.PHONY: deps demo test lint compose-demo

deps:
	./deploy/install-deps.sh

demo: deps
	./deploy/demo.sh

lint:
	npm run lint
	npm run typecheck

# Lint, typecheck and the tests as lanes side by side (tests/lanes.sh); deps has just built dist/.
test: deps
	XSIM_SKIP_BUILD=1 ./tests/lanes.sh

# The cluster as containers (README, "docker-compose"): installs Docker from Debian if missing, starts
# dockerd if none answers, builds the images, runs the one-shot demo and leaves the cluster up.
COMPOSE ?= $(shell command -v docker-compose >/dev/null 2>&1 && echo docker-compose || echo docker compose)
compose-demo:
	XSIM_WITH_DOCKER=1 ./deploy/install-deps.sh
	./deploy/docker/engine.sh start
	./deploy/docker/build-images.sh
	$(COMPOSE) run --rm demo
