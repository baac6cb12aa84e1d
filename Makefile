# The README's two commands. Everything else lives in scripts/.
.PHONY: run test fuzz bench

run:
	@scripts/run.sh

test:
	@scripts/test.sh

fuzz:
	@scripts/fuzz-api.sh

bench: ; @bench/run.sh
