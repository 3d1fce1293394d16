# The two commands of the README: `make demo` and `make test`. Both install what they need first.
.PHONY: deps demo test lint

deps:
	./deploy/install-deps.sh

demo: deps
	./deploy/demo.sh

lint:
	npm run lint
	npm run typecheck

test: deps lint
	npx vitest run
