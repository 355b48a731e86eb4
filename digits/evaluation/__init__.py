"""What measures the models: the reading sets made from test digits (user_images), the real
photos (real_set) and the non-digit images of the not-a-digit check (not_a_digit_images)."""
