from dataclasses import dataclass


class AuthenticationFailed(Exception):
    """No valid credential: API Gateway answers 401. The message never contains the credential."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: what the authorizer hands to the functions in the request context."""

    principal_id: str
    company_ids: tuple[str, ...]
    scopes: tuple[str, ...]

    def context(self) -> dict[str, str]:
        # Authorizer context values must be primitives: lists travel as separated strings.
        return {
            "principalId": self.principal_id,
            "companyIds": ",".join(self.company_ids),
            "scopes": " ".join(self.scopes),
        }
