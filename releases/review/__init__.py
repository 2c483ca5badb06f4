"""The tenant's review of a release, as the approvals hub shows it: what the request page adds
for a release review (``detail``: the version, its scan and quality report, the diff against
what is online on the target, the reviewer's preview) and the signed preview token the QR code
carries (``preview``). The decision itself is ``releases.release``'s ``on_decided`` hook."""
