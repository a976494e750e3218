# One line per target; CI uses the same commands.
PY ?= python3.11

.PHONY: run test lint fmt bench lock
run:
	$(PY) dev.py run
test:
	$(PY) dev.py test
lint:
	$(PY) dev.py lint
fmt:
	$(PY) dev.py fmt
bench:
	$(PY) dev.py bench
lock:
	.venv/bin/pip install -r requirements.in && .venv/bin/pip freeze --exclude-editable | sort -f > requirements.txt
