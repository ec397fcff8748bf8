from commerce.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class ProductNotFound(NotFound):
    code = "product_not_found"
    title = "Product not found"


class VariantNotFound(NotFound):
    code = "variant_not_found"
    title = "Variant not found"


class UnknownCategory(ValidationFailed):
    code = "unknown_category"
    title = "Category does not exist"


class UnknownBrand(ValidationFailed):
    code = "unknown_brand"
    title = "Brand does not exist"


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "Slug is already in use"


class SkuTaken(Conflict):
    code = "sku_taken"
    title = "SKU is already in use"


class InvalidStatusTransition(Conflict):
    code = "invalid_status_transition"
    title = "The product cannot move to that status from its current one"


class ProductNotEditable(Conflict):
    code = "product_not_editable"
    title = "Archived products cannot be changed"


class ActiveVariantRequired(ValidationFailed):
    code = "active_variant_required"
    title = "The product needs at least one active variant"


class ProductNotTaggable(ValidationFailed):
    code = "product_not_taggable"
    title = "Only active products and their active variants can be tagged"


class SlugRequired(ValidationFailed):
    code = "slug_required"
    title = "The name has no letters or digits to derive a slug from; send one"


class SelfReviewForbidden(Forbidden):
    code = "self_review_forbidden"
    title = "Nobody reviews their own product"
