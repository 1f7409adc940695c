"""One Portfolio web worker in its own process, for the shared login limit test:
python login_worker.py '<json overrides>' prints its port, then serves until killed."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from conftest import make_app  # noqa: E402

settings = json.loads(sys.argv[1])
app = make_app(settings.pop("database_url"), Path(settings.pop("instance_path")), **settings)
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
