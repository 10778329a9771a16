"""MC1: the item is right when the highest log-likelihood goes to the one true choice (index 0 here)."""


class MC1:
    def score(self, loglikelihoods: list[list[float]]) -> dict[str, float]:
        right = sum(max(range(len(ll)), key=ll.__getitem__) == 0 for ll in loglikelihoods)
        return {"mc1": right / len(loglikelihoods)}
