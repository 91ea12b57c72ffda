"""The RDS app: RPC-style requests at ``/``, authenticated, then handed to RdsBackend."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable, Mapping

from werkzeug.wrappers import Request

from .calls import Call, without_secrets
from .errors import ApiFailure, new_rds_request_id, rds_failure, render_rds_error
from .rds_actions import API_VERSION
from .rds_auth import authenticate, request_parameters
from .responses import StartResponse, act_out_fault, drop_connection, send

if TYPE_CHECKING:
    from .server import Emulator

JSON_TYPE = "application/json;charset=utf-8"


class RdsApp:
    """A WSGI app that serves the RDS 2014-08-15 actions in JSON.

    NOTE: responses are always JSON, even for Format=XML, which the real
    gateway would send in XML.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        # Read the body before the form is parsed, which would consume it: ACS3 hashes the raw body.
        request.get_data(cache=True)
        request_id = new_rds_request_id()
        parameters = without_secrets(request_parameters(request))
        action = parameters.get("Action") or request.headers.get("x-acs-action", "")
        access_key_id: str | None = None
        fault: str | None = None

        try:
            if request.method not in ("GET", "POST"):
                raise rds_failure("UnsupportedHTTPMethod")
            if request.path != "/":
                raise rds_failure("InvalidAction.NotFound")
            caller = authenticate(request, self.emulator.state.access_keys, self.emulator.nonces, self.emulator.clock)
            action, access_key_id, parameters = caller.action, caller.access_key.access_key_id, caller.parameters
            if caller.version != API_VERSION:
                raise rds_failure("InvalidVersion")
            if not self.emulator.rds.knows(action):
                raise rds_failure("InvalidAction.NotFound")
            if not caller.access_key.allows("rds", action):
                raise rds_failure("Forbidden.RAM")

            fault = self.emulator.faults.choose("rds", action)
            early = act_out_fault(
                fault,
                "rds",
                self.emulator.faults,
                environ,
                start_response,
                lambda status: self._record(action, parameters, status, None, request_id, access_key_id, fault, False),
                {"x-acs-request-id": request_id},
            )
            if early is not None:
                return early

            response, effect = self.emulator.rds.run(action, parameters, request_id)
        except ApiFailure as failure:
            status, headers, body = render_rds_error(failure, request_id)
            self._record(action, parameters, status, failure.code, request_id, access_key_id, fault, False)
            return send(start_response, status, headers, body)

        # A ClientToken replay returns the first response's RequestId.
        request_id = str(response.get("RequestId", request_id))
        self._record(action, parameters, 200, None, request_id, access_key_id, fault, effect)
        if fault == "lost_response":
            drop_connection(environ)
        headers = {"Content-Type": JSON_TYPE, "x-acs-request-id": request_id}
        return send(start_response, 200, headers, json.dumps(response).encode("utf-8"))

    def _record(
        self,
        action: str,
        parameters: Mapping[str, str],
        status: int,
        code: str | None,
        request_id: str,
        access_key_id: str | None,
        fault: str | None,
        effect: bool,
    ) -> None:
        self.emulator.calls.append(
            Call("rds", action, without_secrets(parameters), status, code, request_id, access_key_id, fault, effect)
        )
