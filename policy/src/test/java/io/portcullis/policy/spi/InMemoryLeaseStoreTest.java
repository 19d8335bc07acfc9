package io.portcullis.policy.spi;

class InMemoryLeaseStoreTest extends LeaseStoreContract {

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();

    @Override
    protected LeaseStore store() {
        return store;
    }
}
