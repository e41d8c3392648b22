#!/usr/bin/env python3
# Prints the rows of NGC_RELEASES in src/ngc/ngc-releases.ts from shared/reference/ngc-releases.json (paste them in; review the diff like code).
import json, sys

src = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/reference/ngc-releases.json'
rows = json.load(open(src))
REPO = {'tritonserver-trtllm': 'tritonserver', 'tritonserver-vllm': 'tritonserver'}
LLM = ('-trtllm-python-py3', '-vllm-python-py3')

def q(s):
    return json.dumps(s, ensure_ascii=False) if s is not None else 'undefined'

out = []
for r in sorted(rows, key=lambda r: (REPO.get(r['framework'], r['framework']), r['release'], r['framework'])):
    fw = REPO.get(r['framework'], r['framework'])
    tags = r['tags'] or []
    if r['framework'] == 'tritonserver':
        # The LLM variants have rows of their own, with their own CUDA.
        tags = [t for t in tags if not t.endswith(LLM)]
    if not tags:
        continue
    driver = r.get('cuda_driver_version_env') or r.get('toolkit_driver_version_listed')
    branches = r['datacenter_compat_drivers'] or []
    out.append(f"  row({q(fw)}, {q(r['release'])}, {json.dumps(tags)}, {q(r['cuda'])}, {q(driver)}, {json.dumps(branches)}, {q(r['confidence'])}, {q(r['source'])}),")

print('\n'.join(out))
