FROM python:3.12.4-slim
RUN pip install -r requirements.txt . ./wheels/x.whl "requests[socks]==2.32.3"
RUN npm install lodash && npm install -g @scope/tool@1.0.0
RUN apt-get install -y --no-install-recommends ./local.deb $EXTRA
# expect: none
