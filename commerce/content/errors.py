from commerce.core.errors import NotFound, ValidationFailed


class PostNotFound(NotFound):
    code = "post_not_found"
    title = "Post not found"


class CommentNotFound(NotFound):
    code = "comment_not_found"
    title = "Comment not found"


class ReplyTooDeep(ValidationFailed):
    code = "reply_too_deep"
    title = "Replies can only answer a top-level comment"


class InvalidProductTag(ValidationFailed):
    code = "invalid_product_tag"
    title = "A product tag points at an image the post does not have"
