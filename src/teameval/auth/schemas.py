from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from teameval.kit.inputs import SingleLine


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school: SingleLine = Field(min_length=1, max_length=64, description="The school's slug.")
    email: SingleLine = Field(min_length=3, max_length=320)
    password: SingleLine = Field(min_length=1, max_length=1024)


class DevLoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school: SingleLine = Field(min_length=1, max_length=64)
    email: SingleLine = Field(min_length=3, max_length=320)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")


class SchoolRef(BaseModel):
    id: int
    slug: str
    name: str


class Me(BaseModel):
    id: int
    email: str
    name: str
    role: str
    school: SchoolRef
