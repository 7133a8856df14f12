from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a stable, opaque global ID.")
class Node:
    id: strawberry.ID
