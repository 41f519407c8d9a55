"""Memory per pipeline function (MB), in one place for the stack and the bench's cost step.

Lambda bills GB-seconds and gives CPU in proportion to memory (1,769 MB is one vCPU). A
buyer message spends most of each stage waiting on DynamoDB, S3, SQS and SES, so memory the
stage does not need is paid for while it waits. Measured for the 10 MB message (README,
"Capacity"): each stage's resident memory stays under ~130 MB (imports ~40-50 MB). Ingest and
the filter get 512 MB (room for SES's 40 MB maximum). The relay keeps 1,024 MB: it decodes
images of up to 60 MP to clean them (parley/mail/images.py: MAX_PIXELS), ~240 MB of pixels
per frame before the copies Pillow makes.
"""

from __future__ import annotations

PIPELINE_MEMORY_MB = {"ingest": 512, "filter": 512, "relay": 1024}
ONE_VCPU_MB = 1769
