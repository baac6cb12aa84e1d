# The README's two commands. Everything else lives in scripts/.
.PHONY: run test fuzz

run:
	@scripts/run.sh

test:
	@scripts/test.sh

fuzz:
	@scripts/fuzz-api.sh
