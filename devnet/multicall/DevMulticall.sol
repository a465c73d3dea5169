// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DevMulticall: the Multicall3 `tryAggregate` entry point, for the local devnet only.
/// @notice Public chains have Multicall3 at 0xcA11bde05977b3631167028862bE2a173976CA11; the local
///         chain does not. The x402 EVM reference package reads through that address when it diagnoses why a
///         simulated payment failed (authorization nonce used, balance too low, token name or
///         version mismatch). The devnet installs this contract's runtime code there
///         (`hardhat_setCode`) so the reference facilitator answers with the same reasons as on Base.
/// @dev Same function signature and result layout as Multicall3's `tryAggregate`; nothing else.
contract DevMulticall {
    struct Call {
        address target;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function tryAggregate(bool requireSuccess, Call[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool success, bytes memory ret) = calls[i].target.call(calls[i].callData);
            require(success || !requireSuccess, "DevMulticall: call failed");
            returnData[i] = Result(success, ret);
        }
    }
}
