# Two images from the same lock file as development:
#  production  Airflow 3.3 with the product only (no development group: no stand-ins, no test tools)
#  stand-ins   the production image plus the stand-ins of the outside world (court API, reference national
#              interface, SMTP sink) for the compose stack; never deployed against real partners
FROM apache/airflow:3.3.2-python3.11 AS production

USER root
# Chromium prints the subject credit report's PDF; the CJK font lets it draw Chinese
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=airflow:root . /opt/credit-warehouse
USER airflow
WORKDIR /opt/credit-warehouse
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e .
ENV CREDIT_WAREHOUSE_HOME=/opt/credit-warehouse

FROM production AS stand-ins
RUN uv export --frozen --only-group stand-ins --no-hashes --no-emit-project -o /tmp/stand-ins.txt \
 && pip install --no-cache-dir -r /tmp/stand-ins.txt
